-- wrk script for bench/auth.sh: every scenario goes through this same script, so all of them pay the same
-- client-side cost (one pre-built request string handed back per request).
--
--   wrk ... -s cycle.lua URL -- MODE FILE NTHREADS LAYOUT CHECK
--     MODE      none | bearer | x-api-key   (how the credential is sent; none = no credential header)
--     FILE      one credential per line ("-" when MODE is none)
--     NTHREADS  wrk's -t, so each thread can take its own part of FILE
--     LAYOUT    cycle: every thread cycles through all of FILE, each from its own offset
--               slice: each thread takes a disjoint slice and never repeats a credential until it runs out
--     CHECK     check: also tally status codes and the problem "code" of each response (slower: use it for
--               warm-up / verification runs only); anything else: no response callback at all
--
-- done() prints machine-readable lines (BENCH_RESULT, BENCH_STATUS, BENCH_WRAPPED) that auth.sh parses.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("tid", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

local reqs = {}
local n = 0
local i = 0
wrapped = 0
statuses = {}

local function with_header(name, value)
   local headers = {}
   for k, v in pairs(wrk.headers) do headers[k] = v end
   if name then headers[name] = value end
   return wrk.format("GET", wrk.path, headers)
end

function init(args)
   local mode = args[1] or "none"
   local file = args[2] or "-"
   local nthreads = tonumber(args[3] or "1")
   local layout = args[4] or "cycle"
   local check = args[5] == "check"

   if mode == "none" then
      reqs[1] = with_header(nil, nil)
   else
      local creds = {}
      for line in io.lines(file) do
         if #line > 0 then creds[#creds + 1] = line end
      end
      assert(#creds > 0, "no credentials in " .. file)
      local first, last = 1, #creds
      if layout == "slice" then
         local per = math.floor(#creds / nthreads)
         first = tid * per + 1
         last = first + per - 1
      end
      for j = first, last do
         local c = creds[j]
         if mode == "bearer" then
            reqs[#reqs + 1] = with_header("Authorization", "Bearer " .. c)
         else
            reqs[#reqs + 1] = with_header("X-Api-Key", c)
         end
      end
   end
   n = #reqs
   if layout == "cycle" then
      -- Spread the threads' starting points so they do not send the same credential at the same moment.
      i = math.floor(tid * n / nthreads) % n
   end

   if check then
      response = function(status, headers, body)
         local key = tostring(status)
         if status >= 400 and body then
            local code = body:match('"code"%s*:%s*"([^"]*)"')
            if code then key = key .. ":" .. code end
         end
         statuses[key] = (statuses[key] or 0) + 1
      end
   end
end

function request()
   i = i + 1
   if i > n then
      i = 1
      wrapped = wrapped + 1
   end
   return reqs[i]
end

function done(summary, latency, requests)
   local agg, wraps = {}, 0
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      if s then
         for k, v in pairs(s) do agg[k] = (agg[k] or 0) + v end
      end
      wraps = wraps + (t:get("wrapped") or 0)
   end
   local parts = {}
   for k, v in pairs(agg) do parts[#parts + 1] = k .. "=" .. v end
   table.sort(parts)
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d connect=%d read=%d write=%d non2xx=%d timeout=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99)))
   io.write("BENCH_STATUS " .. table.concat(parts, ",") .. "\n")
   io.write("BENCH_WRAPPED " .. wraps .. "\n")
end
