import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { EmptyBodyDto } from '../common/http/empty-body.dto';
import { ApiErrors } from '../docs/error-responses';
import { CaseService } from './case.service';
import { CaseDetail, CaseView } from './case.types';
import { CaseNoteDto, ResolveCaseDto } from './dto/case-action.dto';
import { CaseDetailResponse, CasePageResponse } from './dto/case.response';
import { ListCasesQuery } from './dto/list-cases.query';

const CASE_ID = ApiParam({ name: 'id', description: 'The case id.', schema: { type: 'string', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' } });
const NO_CASE = 'No case with this id (or it belongs to a use case the key may not read).';
const DETAIL = ApiOkResponse({ type: CaseDetailResponse, description: 'The case as it now is, with its audit trail and decision.' });

@ApiTags('cases')
@Controller('v1/cases')
export class CasesController {
  constructor(private readonly cases: CaseService) {}

  @Get()
  @RequireScope('cases:read')
  @ApiOperation({
    operationId: 'listCases',
    summary: 'The review queue',
    description: 'Cases oldest first; filters combine. To get the next page, pass `nextCursor` back as `cursor`. A key limited to some use cases sees only their cases.',
  })
  @ApiOkResponse({ type: CasePageResponse, description: 'A page of cases.' })
  list(@Query() query: ListCasesQuery, @CurrentPrincipal() caller: Principal): Promise<{ items: CaseView[]; nextCursor: string | null }> {
    return this.cases.list(query, caller);
  }

  @Get(':id')
  @RequireScope('cases:read')
  @ApiOperation({ operationId: 'getCase', summary: 'Read a case', description: 'The case, every action taken on it (who, when, notes) and the decision under review.' })
  @CASE_ID
  @DETAIL
  @ApiErrors({ 404: NO_CASE })
  get(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<CaseDetail> {
    return this.cases.get(id, caller);
  }

  @Post(':id/claim')
  @HttpCode(200)
  @RequireScope('cases:write')
  @ApiOperation({ operationId: 'claimCase', summary: 'Claim a case', description: 'Assigns an open case to the calling key. Claiming a case the key already holds changes nothing.' })
  @CASE_ID
  @DETAIL
  @ApiErrors({ 404: NO_CASE, 409: ['The case is claimed by another key, or resolved.', 'case 01a20149-7354-70d1-94a1-d52bc3b0c889 cannot be claimed: it is claimed by key 0123456789abcdef'] })
  claim(@Param('id') id: string, @CurrentPrincipal() caller: Principal, @Body() _body: EmptyBodyDto): Promise<CaseDetail> {
    return this.cases.claim(id, caller);
  }

  @Post(':id/release')
  @HttpCode(200)
  @RequireScope('cases:write')
  @ApiOperation({ operationId: 'releaseCase', summary: 'Give a case back to the queue', description: "Unassigns a claimed case: the calling key's own claim, or anyone's for an `admin` key." })
  @CASE_ID
  @DETAIL
  @ApiErrors({ 404: NO_CASE, 409: ['The case is not claimed, is resolved, or is claimed by another key.', 'case 01a20149-7354-70d1-94a1-d52bc3b0c889 cannot be released: it is not claimed'] })
  release(@Param('id') id: string, @CurrentPrincipal() caller: Principal, @Body() _body: EmptyBodyDto): Promise<CaseDetail> {
    return this.cases.release(id, caller);
  }

  @Post(':id/notes')
  @HttpCode(200)
  @RequireScope('cases:write')
  @ApiOperation({ operationId: 'noteCase', summary: 'Add a note to a case', description: "Kept in the case's audit trail with the calling key, in any state (a resolved case may be annotated)." })
  @CASE_ID
  @DETAIL
  @ApiErrors({ 404: NO_CASE })
  note(@Param('id') id: string, @CurrentPrincipal() caller: Principal, @Body() body: CaseNoteDto): Promise<CaseDetail> {
    return this.cases.note(id, caller, body.note);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @RequireScope('cases:write')
  @ApiOperation({
    operationId: 'resolveCase',
    summary: 'Resolve a case',
    description:
      "Closes an open case or the calling key's claim (anyone's for an `admin` key) with a disposition. `fraud` and `legitimate` become the decision's label, which backtests measure precision and recall with; `inconclusive` sets none.",
  })
  @CASE_ID
  @DETAIL
  @ApiErrors({ 404: NO_CASE, 409: ['The case is resolved already, or claimed by another key.', 'case 01a20149-7354-70d1-94a1-d52bc3b0c889 cannot be resolved: it is already resolved (fraud)'] })
  resolve(@Param('id') id: string, @CurrentPrincipal() caller: Principal, @Body() body: ResolveCaseDto): Promise<CaseDetail> {
    return this.cases.resolve(id, caller, body.disposition, body.note);
  }
}
