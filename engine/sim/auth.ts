// Credential checks shared by the simulator's REST and WebSocket endpoints: any non-empty key
// pair is accepted unless specific keys were configured at start.

export interface SimKeys {
  keyId: string;
  secret: string;
}

export type KeyCheck = 'ok' | 'missing' | 'wrong';

export class KeyPolicy {
  constructor(private readonly keys: SimKeys | undefined) {}

  check(keyId: unknown, secret: unknown): KeyCheck {
    if (typeof keyId !== 'string' || typeof secret !== 'string' || keyId === '' || secret === '') return 'missing';
    if (!this.keys) return 'ok';
    return keyId === this.keys.keyId && secret === this.keys.secret ? 'ok' : 'wrong';
  }
}
