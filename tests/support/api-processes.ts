import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "tests/support/api-server-process.ts");
const STARTUP_TIMEOUT_MS = 60_000;

export type ApiProcess = { url: string; child: ChildProcess; output: () => string; stop(signal?: NodeJS.Signals): Promise<void> };

/** Starts tests/support/api-server-process.ts in its own Node process (tsx), on this test's database. */
export async function spawnApiProcess(): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API process did not start:\n${output}`)), STARTUP_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`API process exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill(signal);
      await exited;
    },
  };
}
