(?i)^(.*\S)[\s,.;:!-]+(many thanks|thanks a lot|thanks so much|thank you so much|thanks in advance|thank you in advance|thanks again|thank you again|thank you|thanks|thx|thank u|tia|ty|cheers)[\s.!:)]*$
@\w+|\S+://\S+|www\.\S+
[A-Za-z']+
