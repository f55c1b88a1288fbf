import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { USE_CASE_ID } from '../../auth/scopes';
import { Optional } from '../../common/http/validators';
import { Action, ACTIONS } from '../../scoring/actions';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '../webhook-outbox';

@ApiSchema({ name: 'WebhookSubscriptionRequest', description: 'The subscription to create. Unknown fields are refused.' })
export class CreateWebhookDto {
  /** Where events are POSTed: https:// (http:// only with WEBHOOK_ALLOW_HTTP=true), never to a private network unless allowed. */
  @ApiProperty({
    description: 'Where events are POSTed. `https://` only, unless the service runs with `WEBHOOK_ALLOW_HTTP=true`; an address in a loopback, private or link-local network is refused unless `WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`.',
    maxLength: 2000,
    example: 'https://fraud-ops.example.com/hooks/linetrust',
  })
  @IsString()
  @MaxLength(2000)
  url!: string;

  /** The event types to receive. */
  @ApiProperty({ description: 'The event types to receive.', enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', isArray: true, minItems: 1, example: ['decision.created', 'case.resolved'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: `events must be some of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  events!: WebhookEventType[];

  /** Only the events of these use cases (policy ids); all when absent. */
  @ApiPropertyOptional({ description: 'Only the events of these use cases (policy ids); all when absent.', type: 'string', isArray: true, pattern: USE_CASE_ID.source, minItems: 1, maxItems: 50, example: ['p2p_recipient'] })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(USE_CASE_ID, { each: true, message: 'useCases must be policy ids (a-z, 0-9, _)' })
  useCases?: string[];

  /** Only the events of decisions with these outcomes (a case event: the outcome that opened the case); all when absent. */
  @ApiPropertyOptional({
    description: 'Only the events of decisions with these outcomes (for a case event, the outcome of the decision that opened the case); all when absent.',
    enum: ACTIONS,
    enumName: 'Action',
    isArray: true,
    minItems: 1,
    example: ['REVIEW', 'BLOCK'],
  })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ACTIONS.length)
  @ArrayUnique()
  @IsIn(ACTIONS, { each: true, message: `outcomes must be some of ${ACTIONS.join(', ')}` })
  outcomes?: Action[];
}
