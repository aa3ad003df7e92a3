import type { Command } from 'commander';
import { registerNlpCommands } from '@refdiff/nlp/cli';
import { registerModelsCommands } from '@refdiff/models/cli';
import { registerRefDiffCommands } from './commands/refdiff.commands';
import { registerWorkerCommands } from '@refdiff/gpu-worker/cli';
import { registerGatewayCommands } from '@refdiff/gateway/cli';
import { registerPipelineCommands } from '@refdiff/pipeline/cli';

/**
 * Each app or library that implements commands exports a registrar from its `./cli` entry point.
 * Registrars only declare commands; the heavy modules (models, gRPC, database) load inside actions,
 * so `refdiff --help` stays fast.
 */
export type CommandRegistrar = (program: Command) => void;

export const commandRegistrars: readonly CommandRegistrar[] = [registerNlpCommands, registerModelsCommands, registerRefDiffCommands, registerWorkerCommands, registerPipelineCommands, registerGatewayCommands];
