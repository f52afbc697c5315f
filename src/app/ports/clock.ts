// Time enters through this port only, so use cases can be driven by a test clock.
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
