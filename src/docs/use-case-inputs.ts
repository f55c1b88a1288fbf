import type { OpenAPIObject, ReferenceObject, RequestBodyObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { CompiledPolicy } from '../scoring/compiled-policy';

const BASE = 'DecisionRequest';
const ref = (name: string): ReferenceObject => ({ $ref: `#/components/schemas/${name}` });

/** `DecisionRequest.p2p_recipient`: a schema name per use case (policy ids are [a-z0-9_]). */
export function useCaseSchemaName(useCase: string): string {
  return `${BASE}.${useCase}`;
}

/**
 * The document with `POST /v1/decisions`'s body discriminated by `useCase`: one schema per
 * loaded policy whose `context` is that policy's declared inputs. Built on each request for the
 * document, so a policy published or edited a moment ago shows; the document given is not changed.
 */
export function withUseCaseInputs(document: OpenAPIObject, policies: readonly CompiledPolicy[]): OpenAPIObject {
  const patched = structuredClone(document);
  const schemas = (patched.components ??= {}).schemas ?? {};
  const body = patched.paths['/v1/decisions']?.post?.requestBody as RequestBodyObject | undefined;
  const content = body?.content['application/json'];
  if (!content || !schemas[BASE] || policies.length === 0) return patched;
  const mapping: Record<string, string> = {};
  for (const policy of [...policies].sort((a, b) => a.id.localeCompare(b.id))) {
    const name = useCaseSchemaName(policy.id);
    const context = policy.inputs.schema as SchemaObject;
    const required = (context.required ?? []).length > 0;
    schemas[name] = {
      description: `A decision request for use case \`${policy.id}\` (policy version ${policy.version}).${policy.document.description ? ` ${policy.document.description}` : ''}`,
      allOf: [
        ref(BASE),
        {
          type: 'object',
          required: ['useCase', ...(required ? ['context'] : [])],
          properties: { useCase: { type: 'string', enum: [policy.id] }, context: context },
        },
      ],
    };
    mapping[policy.id] = ref(name).$ref;
  }
  content.schema = { oneOf: Object.values(mapping).map(($ref) => ({ $ref })), discriminator: { propertyName: 'useCase', mapping } };
  return patched;
}
