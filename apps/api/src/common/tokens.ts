/** Injection tokens for values that are not classes. */
export const SETTINGS = Symbol('SETTINGS');
export const STORE = Symbol('STORE');
export const BROKER = Symbol('BROKER');
