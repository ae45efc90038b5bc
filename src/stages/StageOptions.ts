/**
 * Options every stage accepts.
 * @category Stages
 */
export interface StageOptions {
  /** Buffer size of each side, in objects (default: 16, Node's object-mode default). */
  highWaterMark?: number;
}
