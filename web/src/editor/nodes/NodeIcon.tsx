import type { IconName } from '../lib/nodeCatalog';

/** Stroke paths (24×24 viewBox) of the node type icons. */
const PATHS: Record<IconName, string> = {
  bolt: 'M13 2 4 14h7l-1 8 9-12h-7l1-8z',
  radio: 'M4.9 19.1a10 10 0 0 1 0-14.2M7.8 16.2a6 6 0 0 1 0-8.4M16.2 7.8a6 6 0 0 1 0 8.4M19.1 4.9a10 10 0 0 1 0 14.2M12 13a1 1 0 1 0 0-2 1 1 0 0 0 0 2z',
  filter: 'M3 4h18l-7 8.5V19l-4 2v-8.5L3 4z',
  wand: 'M15 4V2M15 10V8M11 6H9M21 6h-2M17.8 3.2l-1.4 1.4M17.8 8.8l-1.4-1.4M12.2 3.2l1.4 1.4M3 21l9-9',
  send: 'M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z',
  globe: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM2 12h20M12 2a15 15 0 0 1 4 10 15 15 0 0 1-4 10 15 15 0 0 1-4-10 15 15 0 0 1 4-10z',
  clock: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2',
  ban: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM4.9 4.9l14.2 14.2',
  flag: 'M4 22V4M4 15s1-1 4-1 5 2 8 2 4-1 4-1V3s-1 1-4 1-5-2-8-2-4 1-4 1',
};

export function NodeIcon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={PATHS[name]} />
    </svg>
  );
}
