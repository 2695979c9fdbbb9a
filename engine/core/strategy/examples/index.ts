// Strategies shipped with every workspace, by name.

import type { StrategyDefinition } from '../types';
import { breakoutBracket } from './breakout-bracket';
import { smaCross } from './sma-cross';
import { zscoreReversion } from './zscore-reversion';

export { breakoutBracket, smaCross, zscoreReversion };

export const exampleStrategies: Readonly<Record<string, StrategyDefinition>> = {
  [smaCross.name]: smaCross,
  [zscoreReversion.name]: zscoreReversion,
  [breakoutBracket.name]: breakoutBracket,
};
