# seed: 000_9b1377d5d949121f.txt
# base-url: https://api.aiduct.ai
# key: $AIDUCT_KEY
# answer: Mock answer to "Write a haiku about API gateways.".
curl https://api.aiduct.ai/v1/responses \
  -H "Authorization: Bearer $AIDUCT_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "openai/gpt-4o",
    "input": "Write a haiku about API gateways."
  }'
