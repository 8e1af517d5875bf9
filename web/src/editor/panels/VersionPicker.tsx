import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { useEditorStore } from '../store/EditorStoreContext';

/** Picks the version on the canvas; older versions open read-only (`?version=n`). */
export function VersionPicker() {
  const flowId = useEditorStore((state) => state.flowId);
  const version = useEditorStore((state) => state.version);
  const latest = useEditorStore((state) => state.latestVersion);
  const [, setSearch] = useSearchParams();
  const versions = useQuery({ queryKey: queryKeys.versions(flowId), queryFn: () => api.flowVersions(flowId) });
  const items = versions.data?.items ?? [{ version: latest, createdAt: '', nodeCount: 0 }];
  const sorted = [...items].sort((a, b) => b.version - a.version);
  return (
    <select
      className="sl-input sl-select sl-version"
      data-testid="version-picker"
      value={version}
      title="Flow version"
      onChange={(event) => {
        const picked = Number(event.target.value);
        setSearch(picked >= latest ? {} : { version: String(picked) });
      }}
    >
      {sorted.map((item) => (
        <option key={item.version} value={item.version}>
          v{item.version}
          {item.version === latest ? ' · latest' : ''}
          {item.createdAt ? ` · ${new Date(item.createdAt).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${new Date(item.createdAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}` : ''}
        </option>
      ))}
    </select>
  );
}
