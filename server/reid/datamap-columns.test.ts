import { describe, expect, it } from 'vitest';
import type { DatasetDef } from '../policies/types';
import { columnsFromDataMap } from './datamap-columns';

const dataset = (columns: DatasetDef['columns']): DatasetDef => ({
  name: 'patients',
  kind: 'table',
  description: '',
  primaryKey: ['id'],
  columns,
  references: [],
  builtFrom: [],
  source: { file: 'datamap/x.yaml', line: 1, column: 1 },
});

describe('columnsFromDataMap', () => {
  it('sorts columns into quasi-identifiers, sensitive attributes and direct identifiers by category prefix', () => {
    const d = dataset([
      { name: 'id', categories: ['user.unique_id'], identity: 'customer_id' },
      { name: 'email', categories: ['user.contact.email'] },
      { name: 'zip', categories: ['user.contact.address.postal_code'] },
      { name: 'born', categories: ['user.demographic.date_of_birth'] },
      { name: 'sex', categories: ['user.demographic.gender'] },
      { name: 'diagnosis', categories: ['user.health.medical_diagnosis'] },
      { name: 'income', categories: ['user.financial'] },
      { name: 'card', categories: ['user.financial.credit_card'] },
      { name: 'updated_at', categories: ['system.operations'] },
    ]);
    expect(columnsFromDataMap(d)).toEqual({
      quasi: ['zip', 'born', 'sex'],
      sensitive: ['diagnosis', 'income'],
      direct: ['id', 'email', 'card'],
    });
  });

  it('matches whole category segments only', () => {
    const d = dataset([{ name: 'x', categories: ['user.healthy_habits'] }]);
    expect(columnsFromDataMap(d)).toEqual({ quasi: [], sensitive: [], direct: [] });
  });
});
