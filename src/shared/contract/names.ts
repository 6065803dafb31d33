import { z } from 'zod';

/** A namespace name as the API server accepts it: an RFC 1123 label. */
export const namespaceName = z
  .string()
  .max(63, 'a namespace name of at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit');
