// SHA-256 through node:crypto's one-shot `hash()` (Node ≥ 21.7): no Hash object per call, and a
// string input is UTF-8 encoded natively instead of through an intermediate Buffer.
import { hash } from 'node:crypto';
import type { Sha256 } from './hash.ts';

export const sha256Node: Sha256 = (data) => hash('sha256', data, 'buffer');
