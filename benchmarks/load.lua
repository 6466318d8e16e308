-- wrk script of `make load`: optional POST body from the environment, and one summary line
-- with requests/s, errors (socket errors and HTTP statuses >= 400) and p50/p95/p99.
local body = os.getenv("LOAD_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT requests=%d rps=%.1f errors=%d p50=%.1fms p95=%.1fms p99=%.1fms\n",
    summary.requests, summary.requests / (summary.duration / 1e6), errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
