-- POST /api/auth/login with one account's right password (argon2id is slow on purpose).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"patient7@bulk.hms","password":"demo-password-2026"}'
