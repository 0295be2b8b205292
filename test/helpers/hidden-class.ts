import v8 from 'node:v8';

v8.setFlagsFromString('--allow-natives-syntax');
/** V8's own predicate: whether two objects share their hidden class ("map"). */
export const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
v8.setFlagsFromString('--no-allow-natives-syntax');
