/** One line of `ml-project doctor`: what was checked, how it went, and the fix when it did not. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}
