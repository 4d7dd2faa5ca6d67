// Tool-native figures: the shapes the parsers fill (kept apart so the parsers and their dispatch do not import each other); they live with the run records (types-runs.ts).

export type { NativeStats, NativeStatsResult, StatsKind } from "../types";
