import type { ValidationResult } from '@sluice/contracts';
import type { ValidationAnswer } from '../store/createEditorStore';

/**
 * The store's answer for one validation result, from `POST /api/flows/validate`
 * or from the engine's own `validateGraph` when the API is out of reach. The
 * status follows the errors alone: warnings never block a save
 * (docs/editor.md, validation). An answer without a warnings list (an API
 * from before warnings) counts as none.
 */
export function toValidationAnswer(result: ValidationResult): Omit<ValidationAnswer, 'revision'> {
  return {
    status: result.valid ? 'valid' : 'invalid',
    errors: result.errors,
    warnings: Array.isArray(result.warnings) ? result.warnings : [],
  };
}
