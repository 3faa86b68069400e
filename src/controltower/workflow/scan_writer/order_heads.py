"""Each order's head: its identity and standing, up to ``"lines":[``.

The head depends on a handful of order columns only, so it is rendered per distinct
combination of them.
"""

from __future__ import annotations

from controltower.domain.columnar import NULL_DAY
from controltower.workflow.scan_writer.distinct_rows import rendered, suffixed_numbers
from controltower.workflow.scan_writer.frame import Frame
from controltower.workflow.scan_writer.texts import (
    ALLOCATION_TEXTS,
    BLOCKERS,
    STATUS_TEXTS,
    Texts,
    day_json,
    escaped,
    iso_day,
    nullable_days,
    object_array,
)

# ---------------------------------------------------------------------- order heads


def order_head_texts(frame: Frame) -> tuple[Texts, Texts, Texts, Texts]:
    """``{"order_id":...,"open_value":V,"lines":[`` of every order in four fragments
    (a comma and a new line before every order but the first)."""
    result = frame.result
    picture = result.picture
    ship, null = nullable_days(result.order_projected_ship_day)
    warehouse = frame.warehouse

    def standing(
        wh: int,
        promised: int,
        status: int,
        allocation: int,
        blockers: int,
        day: int,
        at_risk: bool,
        late: int,
    ) -> str:
        names = ",".join(f'"{b.value}"' for bit, b in enumerate(BLOCKERS) if blockers >> bit & 1)
        return (
            f'{warehouse[wh]}","promised_date":"{iso_day(promised)}",'
            f'"status":"{STATUS_TEXTS[status]}",'
            f'"allocation":"{ALLOCATION_TEXTS[allocation]}","blockers":[{names}],'
            f'"projected_ship_date":{day_json(NULL_DAY if day == null else day)},'
            f'"at_risk":{"true" if at_risk else "false"},'
            f'"days_late":{"null" if late < 0 else late},"open_value":'
        )

    ids = [f',\n{{"order_id":"{code}","customer":"' for code in escaped(picture.order_ids)]
    ids[0] = ids[0][2:]
    customers = object_array([f'{c}","warehouse":"' for c in escaped(picture.customer_codes)])
    return (
        object_array(ids),
        customers[picture.order_customer],
        rendered(
            [
                picture.order_warehouse,
                picture.order_promised,
                result.order_status,
                result.order_allocation,
                result.order_blockers,
                ship,
                result.order_at_risk,
                result.order_days_late,
            ],
            standing,
        ),
        suffixed_numbers(result.order_open_value, ',"lines":[', result.value_decimals),
    )
