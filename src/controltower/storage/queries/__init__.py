"""Read-only, paged queries for the pages and the API.

Every list a screen or a response shows is filtered, sorted, counted and paged by the
database, reading only what one page holds; nothing here loads every order or case of
a business. Each query takes the session and the picture id, like the repositories,
and never writes.

| module | reads |
|---|---|
| ``paging`` | ``PageRequest``, ``Page`` and the SQL pieces the queries share |
| ``orders`` | open orders (``open_orders``, ``open_order``, ``customer_known``) |
| ``cases`` | the case queue (``list_cases``, ``count_cases``, ``case_facets``), one case and a page of its timeline (``get_case``), the cases naming an order (``cases_naming``) |
| ``incidents`` | cases grouped by root cause, ranked and paged (``list_incidents``, ``count_incidents``) |
| ``overview`` | the overview's counts and sums (``active_case_counts``, ``order_status_counts``) |
| ``memory`` | the answers that read every active case, remembered until the cases change |
| ``streaming`` | a whole sorted list in chunks, each after the last (``Cursor``; ``case_chunk``, ``order_chunk``) for downloads |
| ``ordering`` | any sort read the other way round (``reversed_segments``), and which way a sort reads (``SortDirection``) |
| ``parties`` | which customer and supplier codes a picture has (``known_customers``, ``known_suppliers``) |
| ``work`` | a person's work counts (``work_counts``); a warehouse's open picks in working order against its pick capacity (``picking_warehouses``, ``pick_queue``) |
"""

from controltower.storage.queries.cases import (
    CaseFacets,
    CaseFilters,
    CaseSort,
    CaseWithTimeline,
    WorkOf,
    case_chunk,
    case_facets,
    cases_naming,
    count_cases,
    get_case,
    list_cases,
)
from controltower.storage.queries.incidents import (
    IncidentFilters,
    IncidentGroup,
    IncidentMember,
    count_incidents,
    list_incidents,
)
from controltower.storage.queries.memory import forget_remembered
from controltower.storage.queries.ordering import SortDirection, direction_of, reverse_for
from controltower.storage.queries.orders import (
    OrderFilters,
    OrderSort,
    customer_known,
    open_order,
    open_orders,
    order_chunk,
)
from controltower.storage.queries.overview import (
    CaseCounts,
    StatusCount,
    active_case_counts,
    order_status_counts,
)
from controltower.storage.queries.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageRequest,
    PageRequestError,
)
from controltower.storage.queries.parties import known_customers, known_suppliers
from controltower.storage.queries.streaming import CHUNK_ROWS, Cursor
from controltower.storage.queries.work import (
    PickingWarehouse,
    PickQueue,
    PickQueueSummary,
    QueuedPick,
    WorkCounts,
    pick_queue,
    picking_warehouses,
    work_counts,
)

__all__ = [
    "CHUNK_ROWS",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CaseCounts",
    "CaseFacets",
    "CaseFilters",
    "CaseSort",
    "CaseWithTimeline",
    "Cursor",
    "IncidentFilters",
    "IncidentGroup",
    "IncidentMember",
    "OrderFilters",
    "OrderSort",
    "Page",
    "PageRequest",
    "PageRequestError",
    "PickQueue",
    "PickQueueSummary",
    "PickingWarehouse",
    "QueuedPick",
    "SortDirection",
    "StatusCount",
    "WorkCounts",
    "WorkOf",
    "active_case_counts",
    "case_chunk",
    "case_facets",
    "cases_naming",
    "count_cases",
    "count_incidents",
    "customer_known",
    "direction_of",
    "forget_remembered",
    "get_case",
    "known_customers",
    "known_suppliers",
    "list_cases",
    "list_incidents",
    "open_order",
    "open_orders",
    "order_chunk",
    "order_status_counts",
    "pick_queue",
    "picking_warehouses",
    "reverse_for",
    "work_counts",
]
