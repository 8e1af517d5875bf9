/**
 * SQL that writes `count` finished runs of one flow (`$1`, version 1) straight
 * into `runs`, with no history: payload `{ n }` for n = 1 … count, started
 * 1 ms apart from 2026-01-01, so the newest has the highest n. For suites
 * that need many runs to search or scan, faster than triggering them.
 */
export function bulkRunsSql(count: number): string {
  return `
    INSERT INTO runs (id, flow_id, flow_version, event_id, status, state, last_seq, started_at, updated_at)
    SELECT r.id, $1::uuid, 1, 'bulk-' || g, 'succeeded',
           jsonb_build_object('id', r.id, 'flowId', $1::text, 'flowVersion', 1, 'eventId', 'bulk-' || g, 'status', 'succeeded',
                              'payload', jsonb_build_object('n', g), 'source', 'rest', 'steps', '[]'::jsonb,
                              'startedAt', to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'updatedAt', to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'lastSeq', 1),
           1, r.at, r.at
    FROM generate_series(1, ${count}) AS g
    CROSS JOIN LATERAL (SELECT gen_random_uuid() AS id, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 ms' AS at) AS r`;
}
