/** `end`: nothing to configure. */
export function EndForm() {
  return <div className="sl-callout">A terminal: the branch finishes here. When every branch has finished, the run succeeds.</div>;
}
