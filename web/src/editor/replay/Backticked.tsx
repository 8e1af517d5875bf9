/** A sentence with `backticked` parts (handles, node ids) shown as code. */
export function Backticked({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}
    </>
  );
}
