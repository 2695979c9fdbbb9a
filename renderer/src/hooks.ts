// Small hooks over the host connection: call results, event subscriptions, connection state.
import { useEffect, useState } from 'react';
import type { Connection, ConnectionState } from './rpc';
import type { EventName, EventPayload } from '../../engine/rpc/contract';

export function useConnectionState(c: Connection): ConnectionState {
  const [s, set] = useState(c.state());
  useEffect(() => {
    // The socket may have opened between the first render and this effect.
    set(c.state());
    return c.onState(set);
  }, [c]);
  return s;
}

export function useEvent<E extends EventName>(c: Connection, name: E, cb: (p: EventPayload<E>) => void, deps: unknown[] = []): void {
  useEffect(() => c.client.on(name, cb), [c, name, ...deps]);
}
