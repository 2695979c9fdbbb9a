// Which Alpaca a command talks to: paper by default, a local Alpaca-protocol server with `--url`,
// and the live (real-money) account only with `--live` plus a typed confirmation.

import { createInterface } from 'node:readline';
import type { AlpacaEndpoint } from './client';

export interface EndpointFlags {
  live?: boolean;
  /** An Alpaca-protocol server, e.g. the URL `studio sim` prints. */
  url?: string;
}

/** The word the user types to go live; anything else, or no answer, keeps them out. */
export const LIVE_CONFIRMATION = 'live';

export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

/**
 * `ask` puts the question to the user and resolves with their answer, or null when there is no
 * one to ask (stdin closed). It is only called for `--live`.
 */
export async function chooseEndpoint(flags: EndpointFlags, ask: (question: string) => Promise<string | null>): Promise<AlpacaEndpoint> {
  if (flags.live && flags.url) throw new EndpointError('--live and --url exclude each other: --live is Alpaca\'s real-money account');
  if (flags.url) {
    let u: URL;
    try {
      u = new URL(flags.url);
    } catch {
      throw new EndpointError(`--url: expected a URL such as http://127.0.0.1:PORT, got "${flags.url}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EndpointError(`--url: expected an http(s) URL, got "${flags.url}"`);
    return { kind: 'simulator', url: u.origin };
  }
  if (!flags.live) return { kind: 'paper' };
  const answer = await ask(`--live: this uses your LIVE Alpaca account, with real money. Type "${LIVE_CONFIRMATION}" to continue: `);
  if (answer === null) throw new EndpointError(`--live needs a confirmation: run it in a terminal and type "${LIVE_CONFIRMATION}" (or pipe it on stdin)`);
  if (answer.trim() !== LIVE_CONFIRMATION) throw new EndpointError(`--live not confirmed (expected "${LIVE_CONFIRMATION}", got "${answer.trim()}"); nothing was sent to Alpaca`);
  return { kind: 'live', confirmed: true };
}

/** Asks on stderr and reads one line of stdin; null when stdin ends first. */
export function askOnTerminal(question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.once('close', () => {
      if (answered) return;
      process.stderr.write('\n'); // end the unanswered question's line
      resolve(null);
    });
  });
}
