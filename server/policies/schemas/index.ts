// Which schema validates which file of the bundle, and the JSON Schema file each one emits.
import type { z } from 'zod';
import { accessFileSchema } from './access';
import { aiActFileSchema } from './ai-act';
import { alertsFileSchema } from './alerts';
import { datamapFileSchema } from './datamap';
import { deletionFileSchema } from './deletion';
import { reidFileSchema } from './reid';
import { retentionFileSchema } from './retention';
import { schedulesFileSchema } from './schedules';
import { taxonomyFileSchema } from './taxonomy';
import { testsFileSchema } from './tests';
import { trainingFileSchema } from './training';
import { verificationFileSchema } from './verification';

export type FileKind = 'access' | 'retention' | 'deletion' | 'reid' | 'schedules' | 'taxonomy' | 'datamap' | 'tests' | 'ai_act' | 'training' | 'alerts' | 'verification';

export const FILE_SCHEMAS: Record<FileKind, { schema: z.ZodType; jsonSchemaFile: string; title: string }> = {
  access: { schema: accessFileSchema, jsonSchemaFile: 'access.schema.json', title: 'Lethe access policy (access.yaml)' },
  retention: { schema: retentionFileSchema, jsonSchemaFile: 'retention.schema.json', title: 'Lethe retention policy (retention.yaml)' },
  deletion: { schema: deletionFileSchema, jsonSchemaFile: 'deletion.schema.json', title: 'Lethe deletion policy (deletion.yaml)' },
  reid: { schema: reidFileSchema, jsonSchemaFile: 'reid.schema.json', title: 'Lethe re-identification thresholds (reid.yaml)' },
  schedules: { schema: schedulesFileSchema, jsonSchemaFile: 'schedules.schema.json', title: 'Lethe schedules (schedules.yaml)' },
  taxonomy: { schema: taxonomyFileSchema, jsonSchemaFile: 'taxonomy.schema.json', title: 'Lethe data category taxonomy (taxonomy.yaml)' },
  datamap: { schema: datamapFileSchema, jsonSchemaFile: 'datamap.schema.json', title: 'Lethe data system (datamap/*.yaml)' },
  ai_act: { schema: aiActFileSchema, jsonSchemaFile: 'ai_act.schema.json', title: 'Lethe EU AI Act classification rules (ai-act.yaml)' },
  tests: { schema: testsFileSchema, jsonSchemaFile: 'tests.schema.json', title: 'Lethe policy truth tables (tests/*_test.yaml)' },
  alerts: { schema: alertsFileSchema, jsonSchemaFile: 'alerts.schema.json', title: 'Lethe alerts (alerts.yaml): which events reach which webhook or mailbox' },
  verification: { schema: verificationFileSchema, jsonSchemaFile: 'verification.schema.json', title: 'Lethe identity verification levels (verification.yaml)' },
  training: { schema: trainingFileSchema, jsonSchemaFile: 'training.schema.json', title: 'Lethe training data policy (training.yaml): purposes, snapshot recipes, bias thresholds' },
};

/** The kind of a bundle file from its relative path, or null for a file that is not part of the bundle. */
export function fileKind(path: string): FileKind | null {
  const top: Record<string, FileKind> = {
    'access.yaml': 'access',
    'retention.yaml': 'retention',
    'deletion.yaml': 'deletion',
    'reid.yaml': 'reid',
    'schedules.yaml': 'schedules',
    'taxonomy.yaml': 'taxonomy',
    'ai-act.yaml': 'ai_act', // optional: without it the use-case area cannot classify
    'alerts.yaml': 'alerts', // optional: without it nobody is alerted
    'training.yaml': 'training', // optional: without it no purpose needs consent and no snapshot recipe exists
    'verification.yaml': 'verification', // optional: without it any verification method is accepted
  };
  if (top[path]) return top[path];
  if (/^datamap\/[^/]+\.yaml$/.test(path)) return 'datamap';
  if (/^tests\/[^/]+_test\.yaml$/.test(path)) return 'tests';
  return null;
}

export const REQUIRED_FILES = ['access.yaml', 'retention.yaml', 'deletion.yaml', 'reid.yaml', 'schedules.yaml', 'taxonomy.yaml'] as const;

export * from './access';
export * from './ai-act';
export * from './alerts';
export * from './datamap';
export * from './deletion';
export * from './reid';
export * from './retention';
export * from './schedules';
export * from './taxonomy';
export * from './tests';
export * from './training';
export * from './verification';
export { API_VERSION } from './common';
