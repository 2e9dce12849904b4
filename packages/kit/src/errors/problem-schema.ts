import { Type } from '@sinclair/typebox';

/** An error answer (application/problem+json) as AppError.toProblem() writes it, for routes' response schemas. */
export const problemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'a sentence for people' }),
    code: Type.String({ description: 'a stable code for programs' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    retry_after: Type.Optional(Type.Integer()),
    available_from: Type.Optional(
      Type.String({ format: 'date-time', description: 'not_available_yet: when the content opens' }),
    ),
  },
  { description: 'application/problem+json' },
);
