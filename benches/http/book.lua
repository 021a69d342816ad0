-- POST /api/appointments on distinct free slots of the synthetic hospital, as the front desk.
-- Each request books a different (doctor, patient, slot): doctor n mod 2000, 16 slots a day,
-- days from BASE_DAY on (seconds since the epoch, set by run.sh through the environment).
-- `thread_index` is set in each thread's state by setup(), so it must not be shadowed by a local.
local counter = 0
local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  base = tonumber(os.getenv("BASE_DAY"))
  token = os.getenv("TOKEN")
  stride = tonumber(os.getenv("THREADS") or "2")
end

function request()
  local n = thread_index + stride * counter
  counter = counter + 1
  local doctor = n % 2000
  local round = math.floor(n / 2000)
  local start = base + math.floor(round / 16) * 86400 + 9 * 3600 + (round % 16) * 1800
  local patient = (n * 7) % 200000
  local body = string.format(
    '{"doctor_id":"01010000-0000-7000-8000-%012x","patient_id":"01020000-0000-7000-8000-%012x","starts_at":"%s"}',
    doctor, patient, os.date("!%Y-%m-%dT%H:%M:%SZ", start))
  return wrk.format("POST", "/api/appointments", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    errors = (errors or 0) + 1
  end
end
