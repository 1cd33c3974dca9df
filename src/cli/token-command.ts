import type { Command } from 'commander';
import { newTokenSecret } from '../service/access/token-service.js';

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API 令牌 / API tokens');
  token
    .command('generate')
    .description(
      '生成一个随机令牌，可作为 SEALTRUST_ADMIN_TOKEN / print a fresh random token, e.g. for SEALTRUST_ADMIN_TOKEN',
    )
    .action(() => {
      process.stdout.write(newTokenSecret() + '\n');
    });
}
