/**
 * A list for many holders to share: the list itself when it is already frozen (the configuration's lists, which
 * load.ts deep-freezes, or a prepared grant's), else a frozen copy. No holder can change it for the others.
 */
export function frozenList<T>(list: readonly T[]): readonly T[];
export function frozenList<T>(list: readonly T[] | undefined): readonly T[] | undefined;
export function frozenList<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  if (list === undefined || Object.isFrozen(list)) return list;
  return Object.freeze([...list]);
}
