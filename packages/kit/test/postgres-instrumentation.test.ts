import { describe, expect, it } from 'vitest';
import { queryOperation } from '../src/postgres/instrumentation.js';

describe('queryOperation', () => {
  it.each([
    ['select * from courses', 'select'],
    ['  SELECT 1', 'select'],
    ['insert into "courses" ("title") values ($1) returning "id"', 'insert'],
    ['Update courses set title = $1', 'update'],
    ['delete from lessons where id = $1', 'delete'],
    ['(select 1) union (select 2)', 'select'],
    ['-- why\n/* and how */ select 1', 'select'],
    ['with recent as (select * from progress) select count(*) from recent', 'select'],
    ['with moved as (delete from a returning *) insert into b select * from moved', 'insert'],
    ["WITH t (id) AS MATERIALIZED (SELECT ')' AS id), u AS (SELECT 1) UPDATE x SET y = 1", 'update'],
    ['with recursive tree as (select 1 union all select n + 1 from tree) delete from x', 'delete'],
    ['with f as (select $$ ) insert $$ as s) select * from f', 'select'],
    ['begin', 'other'],
    ['create table t (id int)', 'other'],
    ['set local statement_timeout = 0', 'other'],
    ['', 'other'],
    ['with only_ctes as (select 1)', 'other'],
  ])('labels %j as %s', (text, operation) => {
    expect(queryOperation(text)).toBe(operation);
  });
});
