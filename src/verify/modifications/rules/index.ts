import type { WhitelistRule } from '../rule.js';
import { acroFormRule } from './acro-form.js';
import { annotationRule } from './annotation.js';
import { catalogRule } from './catalog.js';
import { documentInfoRule } from './document-info.js';
import { dssRule } from './dss.js';
import { fileStructureRule } from './file-structure.js';
import { formFieldRule } from './form-field.js';
import { pageAnnotationsRule } from './page-annotations.js';
import { signatureDictionaryRule } from './signature-dictionary.js';
import { signatureFieldRule } from './signature-field.js';
import { xmpMetadataRule } from './xmp-metadata.js';

/**
 * The whitelist, in the order the rules are asked (the first answer counts): structure and metadata first,
 * then signatures and validation data, the catalog and form, fields before plain annotations (a widget is
 * both), pages last. An object no rule answers for is 'other' if it existed before, and takes the category
 * of whoever uses it if it is new (revision-diff.ts).
 */
export const WHITELIST_RULES: readonly WhitelistRule[] = [
  documentInfoRule,
  xmpMetadataRule,
  fileStructureRule,
  signatureDictionaryRule,
  dssRule,
  catalogRule,
  acroFormRule,
  signatureFieldRule,
  formFieldRule,
  annotationRule,
  pageAnnotationsRule,
];
