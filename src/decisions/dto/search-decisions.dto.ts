import { ApiSchema } from '@nestjs/swagger';
import { ListDecisionsQuery } from './list-decisions.query';

/**
 * The decisions list's filters in a JSON body (POST /v1/decisions/search): a phone number sent
 * here stays out of URLs, so out of access logs, proxies and browser history.
 */
@ApiSchema({ name: 'DecisionSearch', description: 'The filters of `GET /v1/decisions`, as a JSON body: all optional, and they combine.' })
export class SearchDecisionsDto extends ListDecisionsQuery {}
