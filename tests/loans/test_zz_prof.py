import datetime as dt, time
from loans.cob import run_cob_until
from tests.loans.helpers import issued

def test_prof(business_date):
    issued(on=business_date)
    t=time.perf_counter()
    runs = run_cob_until(until=business_date + dt.timedelta(days=40))
    print("per day", (time.perf_counter()-t)/41)
    print(runs[-1].steps)
