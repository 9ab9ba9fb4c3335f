import type { Scenario } from '../runner';
import { gatewayPredict } from './1-gateway';
import { statsQuery } from './10-stats';
import { shadow } from './11-shadow';
import { versionSearch } from './12-search';
import { twoWorkers } from './2-two-cores';
import { oip } from './3-oip';
import { batching } from './4-batching';
import { isolation } from './5-isolation';
import { hotSwap } from './6-hot-swap';
import { propagation } from './7-propagation';
import { upload } from './8-upload';
import { ingestion } from './9-ingestion';

/** Every scenario, in the table's order (by number). */
export const SCENARIOS: Scenario[] = [gatewayPredict, twoWorkers, oip, batching, isolation, hotSwap, propagation, upload, ingestion, statsQuery, shadow, versionSearch];

/**
 * The table is by number; the run order keeps scenarios from disturbing each other: the hot swap (6)
 * reloads versions while the gateway is saturated, so it runs after every steady-state scenario, and
 * after the second gateway (started for 7) has been stopped again (scenario 2 stops its own gateway of
 * two workers). The shadow (11) runs on one gateway right after 1 and 3, and clears its shadow before
 * the others.
 */
export const EXECUTION_ORDER = [1, 3, 11, 4, 5, 2, 7, 6, 8, 9, 10, 12];
