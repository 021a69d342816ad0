-- POST /api/appointments/ on the Django seed, every request a distinct free slot (the formula of
-- the seed's README): request n books doctor n mod 20 + 1 at slot s = n div 20, that is on day
-- BASE + s div 1440 at minute s mod 1440 of the day. Thread i of THREADS sends n = i, i + THREADS,
-- i + 2 * THREADS, ..., so no two requests share an n and bodies never repeat. The patient is
-- 101 + n mod 100 (patients 1-100 keep their lists as seeded, for the list measurement).
-- Environment (set by seed.sh): BASE_EPOCH (seconds since the epoch at 00:00 UTC of BASE), THREADS
-- (the number of wrk threads), and either TOKEN (one access token for every request) or TOKENS_FILE
-- (lines "K token": each booking for patient K sent with patient K's token).
-- Each thread counts the statuses of its responses; done() prints one line with the totals:
--   seed_book: <n> answered 201, <m> non-2xx [status: count ...] [first non-2xx body]
-- `thread_index` is set in each thread's state by setup(), so it must not be shadowed by a local.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  base = tonumber(os.getenv("BASE_EPOCH"))
  stride = tonumber(os.getenv("THREADS") or "")
  if not base or not stride then
    error("seed_book.lua needs BASE_EPOCH and THREADS in the environment")
  end
  token = os.getenv("TOKEN")
  tokens = nil
  local file = os.getenv("TOKENS_FILE")
  if file and file ~= "" then
    tokens = {}
    for line in io.lines(file) do
      local k, t = line:match("^(%d+)%s+(%S+)$")
      if k then tokens[tonumber(k)] = t end
    end
  end
  statuses = {}
  first_error = ""
end

function request()
  local n = thread_index + stride * counter
  counter = counter + 1
  local slot = math.floor(n / 20)
  local day = math.floor(slot / 1440)
  local minute = slot % 1440
  local patient = 101 + n % 100
  local body = string.format(
    '{"doctor":%d,"patient":%d,"appointment_date":"%s","appointment_time":"%02d:%02d:00","reason":"load test"}',
    n % 20 + 1, patient, os.date("!%Y-%m-%d", base + day * 86400), math.floor(minute / 60), minute % 60)
  local bearer = tokens and tokens[patient] or token
  return wrk.format("POST", "/api/appointments/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. bearer}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status < 200 or status > 299) and first_error == "" then
    first_error = status .. " " .. string.sub(body or "", 1, 200)
  end
end

function done(summary, latency, requests)
  local created, failed, codes, err = 0, 0, {}, ""
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      codes[status] = (codes[status] or 0) + count
      if status == 201 then
        created = created + count
      elseif status < 200 or status > 299 then
        failed = failed + count
      end
    end
    if err == "" then err = thread:get("first_error") or "" end
  end
  local parts = {}
  for status, count in pairs(codes) do
    if status ~= 201 then table.insert(parts, status .. ": " .. count) end
  end
  table.sort(parts)
  io.write(string.format("seed_book: %d answered 201, %d non-2xx%s%s\n", created, failed,
    #parts > 0 and " [" .. table.concat(parts, ", ") .. "]" or "",
    err ~= "" and " [first: " .. err:gsub("%s+", " ") .. "]" or ""))
end
