import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/ApiError';
import { useEditorStore, useEditorStoreApi } from '../store/EditorStoreContext';

/** JSON editor for a test event; resolves through `onSend` (which posts it and follows the run). */
export function SendEventModal({ onClose, onSend, note }: { onClose: () => void; onSend: (payload: unknown) => Promise<void>; note?: string | undefined }) {
  const sample = useEditorStore((state) => state.sampleEvent);
  const store = useEditorStoreApi();
  const [text, setText] = useState(sample);
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    area.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const send = async (): Promise<void> => {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (problem) {
      return setError(`Not valid JSON: ${errorMessage(problem)}`);
    }
    setSending(true);
    setError(undefined);
    try {
      store.getState().setSampleEvent(text);
      await onSend(payload);
      onClose();
    } catch (problem) {
      setError(errorMessage(problem));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="sl-modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="sl-modal" role="dialog" aria-modal aria-labelledby="send-event-title" data-testid="send-event-modal">
        <header className="sl-modal__head">
          <h2 id="send-event-title">Send test event</h2>
          <button type="button" className="sl-icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <p className="sl-muted">
          Posted to <code>POST /api/flows/:id/events</code> as the payload. The canvas follows the run it starts.
        </p>
        <textarea
          ref={area}
          className="sl-input sl-input--mono sl-textarea sl-modal__editor"
          data-testid="send-event-json"
          rows={12}
          spellCheck={false}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void send();
          }}
        />
        {error && <div className="sl-field__error">{error}</div>}
        {note && (
          <div className="sl-modal__note" role="note">
            {note}
          </div>
        )}
        <footer className="sl-modal__foot">
          <span className="sl-muted sl-small">Ctrl+Enter to send</span>
          <button type="button" className="sl-btn sl-btn--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="sl-btn sl-btn--primary" data-testid="send-event-submit" disabled={sending} onClick={() => void send()}>
            {sending ? 'Sending…' : 'Send event'}
          </button>
        </footer>
      </div>
    </div>
  );
}
