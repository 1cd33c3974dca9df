import { isMetadataBinding, loadTemplate, LicenceTemplateError } from '../licence/licence-template.js';
import { LicenceRenderError, renderLicencePdf } from '../licence/licence-renderer.js';
import type { LicenceRenderFn } from './licence-service.js';
import { ServiceError } from './service-error.js';

/** The face-field keys a template lays out (undefined when there is no such template). */
export function templateFields(templateId: string): string[] | undefined {
  try {
    const t = loadTemplate(templateId);
    return t.fields.map((f) => f.field).filter((f) => !isMetadataBinding(f));
  } catch (err) {
    if (err instanceof LicenceTemplateError) return undefined;
    throw err;
  }
}

/** Renders with the type's template; a value that does not fit its box is a 422 naming the field. */
export const renderLicenceFile: LicenceRenderFn = async ({ type, metadata, verifyUrl }) => {
  try {
    return await renderLicencePdf({ template: loadTemplate(type.templateId), type, metadata, verifyUrl });
  } catch (err) {
    if (err instanceof LicenceRenderError)
      throw new ServiceError('validation', err.code, err.message, err.field);
    throw err;
  }
};
