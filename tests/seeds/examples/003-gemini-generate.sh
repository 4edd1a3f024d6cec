# seed: 003_0c3af6821ee45bd1.txt
# base-url: https://YOUR-HOST
# key: afk-YOUR_KEY
# answer: Mock answer to "hi".
curl "https://YOUR-HOST/v1beta/models/gemini-2.0-flash-exp:generateContent" \
  -H "x-goog-api-key: afk-YOUR_KEY" \
  -H "Content-Type: application/json" \
  -d '{ "contents": [{ "role": "user", "parts": [{ "text": "hi" }] }] }'
