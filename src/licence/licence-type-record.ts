import type { LicenceTypeDefinition } from './licence-type.js';

/** A licence type in the catalogue (证照目录, GB/T 36902): its definition and the agencies that may issue it. */
export interface LicenceTypeRecord extends LicenceTypeDefinition {
  issuerAgencyIds: string[];
  createdAt: Date;
  updatedAt: Date;
}
