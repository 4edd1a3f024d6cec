# seed: 003_0c3af6821ee45bd1.txt
# base-url: https://YOUR-HOST
# key: afk-YOUR_KEY
# answer: Mock answer to "hi".
curl https://YOUR-HOST/v1/responses \
  -H "Authorization: Bearer afk-YOUR_KEY" \
  -H "Content-Type: application/json" \
  -d '{ "model": "gpt-4o-mini", "input": "hi" }'
