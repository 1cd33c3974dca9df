import { createInterface } from 'node:readline';

/** A passphrase from the environment, else asked on the terminal without echo. */
export async function readPassphrase(envVar: string, prompt: string, confirm = false): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error(`${envVar} is not set and there is no terminal to ask for it`);
  const first = await ask(prompt);
  if (confirm && (await ask('再次输入 / again: ')) !== first) throw new Error('passphrases do not match');
  if (first.length < 12) throw new Error('the passphrase must have at least 12 characters');
  return first;
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    out._writeToOutput = (s: string) => {
      // Echo the prompt only; the typed characters stay hidden.
      if (s.includes(prompt)) process.stderr.write(s);
    };
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
