import { Command, CommanderError } from 'commander';
import { registerServeCommand } from './serve-command.js';
import { registerAuditCommands } from './audit-command.js';
import { registerTokenCommands } from './token-command.js';
import { registerSm2Commands } from './sm2-command.js';
import { registerCaCommands } from './ca-command.js';
import { registerOcspCommands } from './ocsp-command.js';
import { registerTsCommands } from './ts-command.js';
import { registerVerifyCommands } from './verify-command.js';
import { registerOfdCommands } from './ofd-command.js';
import { registerLicenceCommands } from './licence-command.js';
import { registerTrustListCommands } from './trust-list-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerTlogCommands } from './tlog-command.js';

const program = new Command()
  .name('sealtrust')
  .description('SealTrust 电子印章与电子证照信任服务 / electronic seal and licence trust service')
  .exitOverride()
  .showHelpAfterError();

registerServeCommand(program);
registerSm2Commands(program);
registerCaCommands(program);
registerOcspCommands(program);
registerAuditCommands(program);
registerTokenCommands(program);
registerTsCommands(program);
registerVerifyCommands(program);
registerOfdCommands(program);
registerLicenceCommands(program);
registerTrustListCommands(program);
registerDemoCommand(program);
registerTlogCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; usage errors are bad input (2).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`sealtrust: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 2;
  }
}
