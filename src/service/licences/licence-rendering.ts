import { isMetadataBinding, loadTemplate, LicenceTemplateError } from '../../licence/licence-template.js';

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
