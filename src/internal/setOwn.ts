/**
 * Sets an own enumerable property, also for the name `__proto__`, which a plain assignment would
 * treat as the prototype setter: tag names are arbitrary user strings.
 */
export function setOwn(target: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}
