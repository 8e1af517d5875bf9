import './SkeletonTable.css';

/** Placeholder rows while a table loads. */
export function SkeletonTable({ columns, rows = 4 }: { columns: number; rows?: number }) {
  return (
    <table className="sl-table" aria-busy>
      <tbody>
        {Array.from({ length: rows }, (_, row) => (
          <tr key={row}>
            {Array.from({ length: columns }, (_, column) => (
              <td key={column}>
                <span className="sl-skeleton" style={{ width: `${40 + ((row * 7 + column * 13) % 50)}%` }} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
