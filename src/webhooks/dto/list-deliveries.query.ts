import { PageCursor, PageLimit } from '../../common/http/page-params';

/** A page of a subscription's delivery log, newest first. */
export class ListDeliveriesQuery {
  @PageLimit('Deliveries per page.')
  limit = 20;

  @PageCursor()
  cursor?: string;
}
