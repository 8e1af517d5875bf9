import { useCallback, useEffect, useState } from 'react';

export interface ToastMessage {
  id: number;
  text: string;
  tone: 'ok' | 'error';
}

/** How long a toast stays up, in ms. */
const TOAST_MS = 4000;

/** A queue-of-one toast: `notify` replaces whatever is showing. */
export function useToast(): { toast: ToastMessage | null; notify: (text: string, tone?: 'ok' | 'error') => void } {
  const [toast, setToast] = useState<ToastMessage | null>(null);
  useEffect(() => {
    if (!toast) return undefined;
    const timer = setTimeout(() => setToast(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast]);
  const notify = useCallback((text: string, tone: 'ok' | 'error' = 'ok') => setToast({ id: Date.now(), text, tone }), []);
  return { toast, notify };
}

export function Toast({ toast }: { toast: ToastMessage | null }) {
  if (!toast) return null;
  return (
    <div key={toast.id} className={`sl-toast sl-toast--${toast.tone}`} role="status" data-testid="toast">
      {toast.text}
    </div>
  );
}
