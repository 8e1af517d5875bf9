import { useEffect, useState, type FormEvent } from 'react';

/**
 * The runs list's search box: `name=value` for one of the flow's search keys,
 * or a JSONata predicate over the payload. A search runs on Enter (a payload
 * search costs the API a scan, so not on every keystroke); the API's refusal
 * shows under the box.
 */
export function RunSearchBox({ applied, keys, error, onSearch }: {
  /** The search in effect. */
  applied: string;
  /** Names of the flow's search keys. */
  keys: readonly string[];
  /** Why the API refused the search, when it did. */
  error: string | undefined;
  onSearch: (text: string) => void;
}) {
  const [draft, setDraft] = useState(applied);
  useEffect(() => setDraft(applied), [applied]);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    onSearch(draft.trim());
  };
  const example = keys[0] === undefined ? 'orderId = "A-17"' : `${keys[0]}=A-17`;
  return (
    <form className="sl-run-search" role="search" onSubmit={submit} data-testid="runs-search">
      <div className="sl-run-search__row">
        <input
          className={`sl-input sl-input--mono${error ? ' is-invalid' : ''}`}
          type="search"
          aria-label="Search runs"
          data-testid="runs-search-input"
          value={draft}
          placeholder={`${example}, or a JSONata predicate over the payload`}
          spellCheck={false}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" className="sl-btn" data-testid="runs-search-submit">
          Search
        </button>
        {applied !== '' && (
          <button type="button" className="sl-btn sl-btn--ghost" data-testid="runs-search-clear" onClick={() => onSearch('')}>
            Clear
          </button>
        )}
      </div>
      {error ? (
        <div className="sl-run-search__error" role="alert" data-testid="runs-search-error">
          {error}
        </div>
      ) : (
        <div className="sl-run-search__hint sl-muted sl-small">
          {keys.length > 0 ? (
            <>
              Search keys:{' '}
              {keys.map((name) => (
                <button key={name} type="button" className="sl-link sl-mono" onClick={() => setDraft(`${name}=`)}>
                  {name}
                </button>
              ))}{' '}
              — <code>name=value</code> looks one up; anything else is a JSONata predicate over each run’s payload.
            </>
          ) : (
            <>
              A JSONata predicate over each run’s payload, e.g. <code>amount &gt; 100</code>. Declare search keys on the entry node for instant lookups.
            </>
          )}
        </div>
      )}
    </form>
  );
}
