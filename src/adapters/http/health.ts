// Dependency health for /health: each dependency is probed with a deadline, so one hung
// backend shows as down instead of hanging the probe.
export interface HealthProbe {
  readonly name: string;
  readonly backend: string;
  check(): Promise<void>;
}

export interface DependencyHealth {
  readonly name: string;
  readonly backend: string;
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly error?: string;
}

const probeTimeoutMs = 2_000;

export async function checkHealth(
  probes: readonly HealthProbe[],
): Promise<{ status: 'ok' | 'degraded'; dependencies: DependencyHealth[] }> {
  const dependencies = await Promise.all(
    probes.map(async (probe): Promise<DependencyHealth> => {
      const startedMs = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
          }),
        ]);
        return {
          name: probe.name,
          backend: probe.backend,
          status: 'up',
          latencyMs: Math.round(performance.now() - startedMs),
        };
      } catch (error) {
        return {
          name: probe.name,
          backend: probe.backend,
          status: 'down',
          latencyMs: Math.round(performance.now() - startedMs),
          error: (error as Error).message,
        };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { status: dependencies.every((dependency) => dependency.status === 'up') ? 'ok' : 'degraded', dependencies };
}
