import t from 'tap';
import type { StateJSON, StateKind } from '../../src/aggregators/Aggregator.js';
import { arrivalValuesState } from '../../src/aggregators/arrivalValuesState.js';
import { ddsketchState } from '../../src/aggregators/ddsketchState.js';
import { stateKindOf } from '../../src/aggregators/stateKindOf.js';
import { summaryState } from '../../src/aggregators/summaryState.js';
import { valuesState } from '../../src/aggregators/valuesState.js';
import { welfordState } from '../../src/aggregators/welfordState.js';
import { ErrorCode } from '../../src/MetrixError.js';
import { feed } from './stateLaws.js';

const kinds: StateKind[] = [
  summaryState as StateKind,
  welfordState as StateKind,
  valuesState as StateKind,
  arrivalValuesState as StateKind,
  ddsketchState() as StateKind,
  ddsketchState(0.005) as StateKind,
];

t.test('stateKindOf: finds every kind from its JSON form, and that kind reads it', async (t) => {
  for (const kind of kinds) {
    const json = JSON.parse(JSON.stringify(kind.toJSON(feed(kind, [3, -1, 2]))));
    t.equal(stateKindOf(json), kind, kind.id);
    t.same(kind.toJSON(stateKindOf(json).fromJSON(json)), json);
  }
  t.equal(stateKindOf({ v: 1, kind: 'ddsketch:0.25' }), ddsketchState(0.25), 'an accuracy not used before');
});

t.test('stateKindOf: rejects unknown kinds and headers with ERR_METRIX_INVALID_STATE', async (t) => {
  const bad: [unknown, RegExp][] = [
    [null, /object/],
    [[], /object/],
    ['summary', /object/],
    [{ kind: 'summary' }, /v: 1/],
    [{ v: 2, kind: 'summary' }, /v: 1/],
    [{ v: 1 }, /string kind/],
    [{ v: 1, kind: 'moments' }, /unknown state kind/],
    [{ v: 1, kind: 'ddsketch:' }, /unknown/],
    [{ v: 1, kind: 'ddsketch:abc' }, /unknown/],
    [{ v: 1, kind: 'ddsketch:1' }, /unknown/],
    [{ v: 1, kind: 'ddsketch:0' }, /unknown/],
    [{ v: 1, kind: 'ddsketch:0.010' }, /unknown/],
    [{ v: 1, kind: 'ddsketch:1e-15' }, /unusable/],
    [{ v: 1, kind: 'SUMMARY' }, /unknown/],
  ];
  for (const [json, message] of bad) {
    t.throws(() => stateKindOf(json as StateJSON), { code: ErrorCode.INVALID_STATE, message }, JSON.stringify(json));
  }
});
